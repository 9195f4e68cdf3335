type VideoOpts = { prompt: string; length?: number; image?: string; vertical?: boolean };

export async function createVideo(opts: VideoOpts): Promise<string> {
  const payload: Record<string, unknown> = { model: 'veo', prompt: opts.prompt };
  payload.duration = opts.length ?? 8;
  if (opts.image) payload.input_image = opts.image;
  if (opts.vertical) payload.size = '720x1280';

  const res = await fetch('https://api.pixapi.ai/v1/async/videos/generations', {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(payload),
  });
  if (!res.ok) throw new Error(await res.text());
  const { id } = (await res.json()) as { id: string };
  return id;
}
