const API = 'https://api.pixapi.ai';
const MODEL = 'nano-banana';
const headers = { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' };

const img = await fetch(`${API}/v1/images/generations`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ model: MODEL, prompt: 'A koi pond seen from above' }),
}).then((r) => r.json());

const task = await fetch(`${API}/v1/async/videos/generations`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ model: MODEL, prompt: 'The koi swim in circles', input_image: img.data[0].url, duration: 6 }),
}).then((r) => r.json());
console.log(task.id);
