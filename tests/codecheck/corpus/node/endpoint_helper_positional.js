const BASE = 'https://api.pixapi.ai';
const endpoint = (...parts) => `${BASE}/v1/${parts.join('/')}`;
const headers = {
  Authorization: `Bearer ${process.env.PIXAPI_KEY}`,
  'Content-Type': 'application/json',
};

async function submitVideo(prompt, imageUrl) {
  const res = await fetch(endpoint('async', 'videos', 'generations'), {
    method: 'POST',
    headers,
    body: JSON.stringify({ model: 'wan', prompt, input_image: imageUrl, duration: 5 }),
  });
  return (await res.json()).id;
}

async function waitFor(id) {
  for (;;) {
    const task = await (await fetch(endpoint('tasks', id), { headers })).json();
    if (task.status === 'completed') return task.result.data[0].url;
    if (task.status === 'failed') throw new Error('video failed');
    await new Promise((r) => setTimeout(r, 4000));
  }
}

module.exports = { submitVideo, waitFor };
