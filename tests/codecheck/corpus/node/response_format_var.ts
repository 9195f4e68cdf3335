const FORMAT = 'png';

export async function render(prompt: string) {
  const res = await fetch('https://api.pixapi.ai/v1/images/generations', {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-image-2', prompt, response_format: FORMAT }),
  });
  return res.json();
}
