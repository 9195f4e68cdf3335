const H = { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' };

async function run(prompt) {
  const res = await fetch('https://api.pixapi.ai/v1/async/videos/generations', {
    method: 'POST',
    headers: H,
    body: JSON.stringify({ model: 'veo', prompt, duration: 8 }),
  });
  const { task_id } = await res.json();
  for (;;) {
    const task = await (await fetch(`https://api.pixapi.ai/v1/tasks/${task_id}`, { headers: H })).json();
    if (task.status === 'completed') return task.result.data[0].url;
    if (task.status === 'failed') throw new Error('failed');
    await new Promise((r) => setTimeout(r, 5000));
  }
}
