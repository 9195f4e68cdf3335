import OpenAI from 'openai';

const client = new OpenAI({
  apiKey: process.env.PIXAPI_KEY,
  baseURL: 'https://api.pixapi.ai/v1',
});

export async function thumbnail(prompt: string): Promise<string | undefined> {
  const res = await client.images.generate({
    model: 'gpt-image-2',
    prompt,
    size: '1024x1024',
    quality: 'low',
  });
  return res.data?.[0]?.url;
}
