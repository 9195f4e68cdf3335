const base = { model: 'nano-banana', size: '1024x1024' };

async function queueImage(prompt) {
  const body = { ...base, prompt, async: true };
  const r = await fetch('https://api.pixapi.ai/v1/images/generations', {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await r.json()).id;
}
