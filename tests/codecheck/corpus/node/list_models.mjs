const res = await fetch('https://api.pixapi.ai/v1/models', {
  headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}` },
});
const { data } = await res.json();
const video = data.filter((m) => m.category === 'video').map((m) => m.id);
console.log('video models:', video.join(', '));
