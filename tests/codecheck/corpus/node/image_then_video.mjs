const API = 'https://api.pixapi.ai';
const headers = { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' };

const image = await fetch(`${API}/v1/images/generations`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ model: 'nano-banana', prompt: 'A paper lantern floating on a river at night' }),
}).then((r) => r.json());
const imageUrl = image.data[0].url;

const submitted = await fetch(`${API}/v1/async/videos/generations`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ model: 'veo', prompt: 'The lantern drifts downstream', input_image: imageUrl, duration: 8 }),
}).then((r) => r.json());

let task;
do {
  await new Promise((r) => setTimeout(r, 5000));
  task = await fetch(`${API}/v1/tasks/${submitted.id}`, { headers }).then((r) => r.json());
} while (!['completed', 'failed'].includes(task.status));

console.log(task.status === 'completed' ? task.result.data[0].url : `failed: ${JSON.stringify(task)}`);
