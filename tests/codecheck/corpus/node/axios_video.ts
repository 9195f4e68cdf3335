import axios from 'axios';

const pixapi = axios.create({
  baseURL: 'https://api.pixapi.ai',
  headers: { Authorization: `Bearer ${process.env.PIXAPI_KEY}` },
  timeout: 30_000,
});

interface Task {
  id: string;
  status: 'submitted' | 'processing' | 'completed' | 'failed';
  result?: { type: string; data: { url: string }[] };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function imageToVideo(imageUrl: string, prompt: string): Promise<string> {
  const { data: submitted } = await pixapi.post<Task>('/v1/async/videos/generations', {
    model: 'veo',
    prompt,
    input_image: imageUrl,
    duration: 8,
  });
  for (;;) {
    const { data: task } = await pixapi.get<Task>(`/v1/tasks/${submitted.id}`);
    if (task.status === 'completed') return task.result!.data[0].url;
    if (task.status === 'failed') throw new Error(`task ${task.id} failed`);
    await sleep(5000);
  }
}
