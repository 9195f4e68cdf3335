const IMAGE_MODEL = 'nano-bannana';

async function generate(prompt) {
  const res = await fetch('https://api.pixapi.ai/v1/images/generations', {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: IMAGE_MODEL, prompt }),
  });
  return (await res.json()).data[0].url;
}
