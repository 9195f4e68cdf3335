const PIXAPI_KEY = process.env.PIXAPI_KEY;
if (!PIXAPI_KEY) throw new Error('Set PIXAPI_KEY');

export async function generateImage(prompt, size = '1024x1024') {
  const res = await fetch('https://api.pixapi.ai/v1/images/generations', {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${PIXAPI_KEY}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ model: 'nano-banana', prompt, size }),
  });
  if (!res.ok) throw new Error(`Pixapi ${res.status}: ${await res.text()}`);
  const json = await res.json();
  return json.data[0].url;
}

console.log(await generateImage('A bonsai tree in a glass terrarium'));
