import express from 'express';

const app = express();
app.use(express.json());

const PIXAPI = 'https://api.pixapi.ai';
const auth = { Authorization: `Bearer ${process.env.PIXAPI_KEY}` };

/**
 * The browser polls GET /api/videos/{task_id} on this server; the server asks Pixapi.
 */
app.get('/api/videos/:taskId', async (req, res) => {
  const r = await fetch(`${PIXAPI}/v1/tasks/${encodeURIComponent(req.params.taskId)}`, { headers: auth });
  const task = await r.json();
  if (task.status === 'completed') return res.json({ status: 'completed', url: task.result.data[0].url });
  if (task.status === 'failed') return res.status(502).json({ status: 'failed' });
  res.json({ status: task.status, progress: task.progress });
});

app.post('/api/videos', async (req, res) => {
  const r = await fetch(`${PIXAPI}/v1/async/videos/generations`, {
    method: 'POST',
    headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'veo', prompt: req.body.prompt, duration: 8 }),
  });
  const submitted = await r.json();
  res.status(202).json({ taskId: submitted.id });
});

app.listen(3000);
