export async function generate(prompt) {
  const res = await fetch('https://api.pixapi.ai/v1/images/generations', {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}` },
    body: JSON.stringify({ model: 'nano-banana', prompt }),
  });
  const json = await res.json();
  return json.data[0].url;
}
