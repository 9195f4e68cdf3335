const PIXAPI_BASE = 'https://pixapi.ai/api';

export async function generate(prompt) {
  const res = await fetch(`${PIXAPI_BASE}/v1/images/generations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'nano-banana', prompt }),
  });
  return (await res.json()).data[0].url;
}
