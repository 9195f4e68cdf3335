const headers = { Authorization: `Bearer ${process.env.PIXAPI_KEY}` };

export async function waitForTask(id) {
  let task = { status: 'submitted' };
  while (task.status !== 'completed') {
    await new Promise((r) => setTimeout(r, 3000));
    task = await (await fetch(`https://api.pixapi.ai/v1/tasks/${id}`, { headers })).json();
  }
  return task.result.data[0].url;
}
