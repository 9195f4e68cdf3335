import sharp from 'sharp';

const res = await fetch('https://api.pixapi.ai/v1/images/generations', {
  method: 'POST',
  headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}`, 'Content-Type': 'application/json' },
  body: JSON.stringify({ model: 'gpt-image-2', prompt: 'Product shot of wireless earbuds', response_format: 'b64_json' }),
});
const { data } = await res.json();
const png = Buffer.from(data[0].b64_json, 'base64');
await sharp(png).resize({ width: 400 }).jpeg({ quality: 80 }).toFile('earbuds-400.jpg');
