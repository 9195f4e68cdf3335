const BASE = 'https://api.pixapi.ai';
const VIDEO_ENDPOINT = `${BASE}/v1/videos/generations`;

export async function startVideo(prompt: string): Promise<string> {
  const res = await fetch(VIDEO_ENDPOINT, {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'veo', prompt, duration: 8 }),
  });
  return (await res.json()).id;
}
