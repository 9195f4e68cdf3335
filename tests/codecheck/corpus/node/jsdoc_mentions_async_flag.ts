const BASE_URL = 'https://api.pixapi.ai';

/**
 * Start an image render in the background.
 *
 * Pixapi does not use `?async=true` or `{ async: true }`; background work goes to
 * POST /v1/async/images/generations and the task is read at GET /v1/tasks/{id}.
 */
export async function startRender(prompt: string): Promise<string> {
  const res = await fetch(`${BASE_URL}/v1/async/images/generations`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'nano-banana-pro', prompt }),
  });
  const task = await res.json();
  return task.id;
}

export async function renderResult(id: string): Promise<string | null> {
  const res = await fetch(`${BASE_URL}/v1/tasks/${id}`, {
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}` },
  });
  const task = await res.json();
  if (task.status === 'failed') throw new Error('render failed');
  return task.status === 'completed' ? task.result.data[0].url : null;
}
