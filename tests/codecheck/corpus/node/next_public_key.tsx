'use client';

import { useState } from 'react';

export default function Generator() {
  const [url, setUrl] = useState<string | null>(null);

  async function onGenerate(prompt: string) {
    const res = await fetch('https://api.pixapi.ai/v1/images/generations', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${process.env.NEXT_PUBLIC_PIXAPI_KEY}`,
        'Content-Type': 'application/json',
      },
      body: JSON.stringify({ model: 'nano-banana', prompt }),
    });
    const json = await res.json();
    setUrl(json.data[0].url);
  }

  return <button onClick={() => onGenerate('A sunflower field')}>{url ?? 'Generate'}</button>;
}
