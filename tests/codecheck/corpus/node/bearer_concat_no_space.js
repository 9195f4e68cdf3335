const axios = require('axios');

async function generate(prompt) {
  const { data } = await axios.post(
    'https://api.pixapi.ai/v1/images/generations',
    { model: 'gpt-image-2', prompt, size: '1024x1024' },
    { headers: { Authorization: 'Bearer' + process.env.PIXAPI_KEY } },
  );
  return data.data[0].url;
}

module.exports = { generate };
