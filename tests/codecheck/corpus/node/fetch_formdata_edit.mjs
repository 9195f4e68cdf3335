import { readFile } from 'node:fs/promises';

const form = new FormData();
form.append('model', 'gemini-3-pro-image-preview');
form.append('prompt', 'Add soft window light from the left');
form.append('image', new Blob([await readFile('portrait.jpg')], { type: 'image/jpeg' }), 'portrait.jpg');

// No Content-Type header: fetch sets multipart/form-data with the boundary itself.
const res = await fetch('https://api.pixapi.ai/v1/images/edits', {
  method: 'POST',
  headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}` },
  body: form,
});
const out = await res.json();
console.log(out.data[0].url);
