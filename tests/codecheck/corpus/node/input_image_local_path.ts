import path from 'node:path';

const heroPath = path.join(process.cwd(), 'public', 'hero.png');

export async function animateHero() {
  const res = await fetch('https://api.pixapi.ai/v1/async/videos/generations', {
    method: 'POST',
    headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ model: 'veo', prompt: 'The hero waves', input_image: heroPath, duration: 5 }),
  });
  return res.json();
}
