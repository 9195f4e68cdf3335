const BASE = 'https://api.pixapi.ai';

export async function render(prompt: string): Promise<string> {
  const sub = await fetch(`${BASE}/v1/async/images/generations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'nano-banana-pro', prompt }),
  }).then((r) => r.json());

  for (;;) {
    const task = await fetch(`${BASE}/v1/tasks/${sub.id}`).then((r) => r.json());
    if (task.status === 'completed') return task.result.data[0].url;
    if (task.status === 'failed') throw new Error('failed');
    await new Promise((r) => setTimeout(r, 3000));
  }
}
