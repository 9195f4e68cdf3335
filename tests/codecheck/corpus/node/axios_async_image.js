const axios = require('axios');

const client = axios.create({
  baseURL: 'https://api.pixapi.ai/v1',
  headers: { Authorization: 'Bearer ' + process.env.PIXAPI_KEY },
});

async function batch(prompts) {
  const ids = [];
  for (const prompt of prompts) {
    const { data } = await client.post('/async/images/generations', { model: 'nano-banana', prompt });
    ids.push(data.id);
  }
  const urls = [];
  for (const id of ids) {
    let task;
    do {
      await new Promise((r) => setTimeout(r, 2000));
      ({ data: task } = await client.get(`/tasks/${id}`));
    } while (task.status !== 'completed' && task.status !== 'failed');
    urls.push(task.status === 'completed' ? task.result.data[0].url : null);
  }
  return urls;
}

batch(['a red cube', 'a blue sphere']).then(console.log);
