const axios = require('axios');

async function videoUrl(taskId) {
  for (;;) {
    const { data: task } = await axios.get(`https://api.pixapi.ai/v1/tasks/${taskId}`, {
      headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}` },
    });
    if (task.status === 'completed') return task.data[0].url;
    if (task.status === 'failed') throw new Error('failed');
    await new Promise((r) => setTimeout(r, 5000));
  }
}
