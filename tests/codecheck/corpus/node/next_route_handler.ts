// app/api/generate/route.ts - runs on the server only.
import { NextResponse } from 'next/server';

export async function POST(request: Request) {
  const { prompt } = await request.json();
  const upstream = await fetch('https://api.pixapi.ai/v1/images/generations', {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${process.env.PIXAPI_KEY}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify({ model: 'nano-banana-2', prompt, n: 1 }),
  });
  if (!upstream.ok) {
    return NextResponse.json({ error: 'generation failed' }, { status: 502 });
  }
  const result = await upstream.json();
  return NextResponse.json({ url: result.data[0].url });
}
