import OpenAI from 'openai';

const pixapi = new OpenAI({
  apiKey: process.env.PIXAPI_KEY,
  baseURL: 'https://api.pixapi.ai',
});

export async function makeIcon(prompt: string) {
  const res = await pixapi.images.generate({ model: 'gpt-image-1.5', prompt, size: '1024x1024' });
  return res.data?.[0]?.url;
}
