const POLL_SECONDS = 3;
const MAX_WAIT_SECONDS = 900;
const H = { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' };

const sub = await fetch('https://api.pixapi.ai/v1/async/videos/generations', {
  method: 'POST',
  headers: H,
  body: JSON.stringify({ model: 'veo', prompt: 'Autumn leaves falling in slow motion', duration: 6 }),
}).then((r) => r.json());

const started = Date.now();
while ((Date.now() - started) / 1000 < MAX_WAIT_SECONDS) {
  const task = await fetch(`https://api.pixapi.ai/v1/tasks/${sub.id}`, { headers: H }).then((r) => r.json());
  if (task.status === 'completed') {
    console.log(task.result.data[0].url);
    process.exit(0);
  }
  if (task.status === 'failed') {
    console.error('failed', task);
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, POLL_SECONDS * 1000));
}
