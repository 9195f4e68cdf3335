import axios from 'axios';

const api = axios.create({
  baseURL: 'https://api.pixapi.ai',
  headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}` },
});

export async function removeBackground(imageUrl: string) {
  const { data } = await api.post('/v1/images/edits', {
    model: 'nano-banana',
    prompt: 'Remove the background, keep the product',
    image: imageUrl,
  });
  return data.data[0].url;
}
