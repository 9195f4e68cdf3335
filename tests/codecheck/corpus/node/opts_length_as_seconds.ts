interface ClipOptions { prompt: string; length: number; image?: string }

export async function clip(opts: ClipOptions) {
  const payload: Record<string, unknown> = { model: 'wan', prompt: opts.prompt };
  payload.seconds = opts.length;
  if (opts.image) payload.input_image = opts.image;

  const res = await fetch('https://api.pixapi.ai/v1/async/videos/generations', {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
  return res.json();
}
