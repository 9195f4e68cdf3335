import axios from 'axios';

export async function poster(prompt: string): Promise<string> {
  const res = await axios.post(
    'https://api.pixapi.ai/v1/images/generations',
    { model: 'gemini-3-pro-image-preview', prompt },
    { headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}` } },
  );
  return res.data.result.data[0].url;
}
