import fs from 'node:fs';
import OpenAI, { toFile } from 'openai';

const openai = new OpenAI({ apiKey: process.env.PIXAPI_KEY, baseURL: 'https://api.pixapi.ai/v1' });

const image = await toFile(fs.createReadStream('jacket.png'), 'jacket.png', { type: 'image/png' });
const edited = await openai.images.edit({
  model: 'nano-banana',
  image,
  prompt: 'Make the jacket navy blue, keep everything else',
});
console.log(edited.data[0].url);
