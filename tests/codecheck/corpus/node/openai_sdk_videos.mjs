import OpenAI from 'openai';

const client = new OpenAI({ apiKey: process.env.PIXAPI_KEY, baseURL: 'https://api.pixapi.ai/v1' });

let video = await client.videos.create({
  model: 'veo',
  prompt: 'A hot air balloon rising over vineyards',
  seconds: '8',
});
while (video.status === 'queued' || video.status === 'in_progress') {
  await new Promise((r) => setTimeout(r, 5000));
  video = await client.videos.retrieve(video.id);
}
console.log(video.status);
