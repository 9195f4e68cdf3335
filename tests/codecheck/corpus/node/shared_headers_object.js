const API = 'https://api.pixapi.ai';
const jsonHeaders = new Headers({
  Authorization: `Bearer ${process.env.PIXAPI_KEY}`,
  'Content-Type': 'application/json',
});

async function generate(prompt) {
  const r = await fetch(`${API}/v1/images/generations`, {
    method: 'POST',
    headers: jsonHeaders,
    body: JSON.stringify({ model: 'gemini-3-pro-image-preview', prompt, size: '1536x1024' }),
  });
  const body = await r.json();
  return body.data.map((d) => d.url);
}

generate('A glass greenhouse in the snow').then((urls) => urls.forEach((u) => console.log(u)));
