export type TaskStatus = 'submitted' | 'processing' | 'completed' | 'failed';

export interface PixapiTask {
  id: string;
  status: TaskStatus;
  progress: number;
  result?: { type: 'image' | 'video'; data: Array<{ url: string }> };
}

export class PixapiClient {
  constructor(
    private readonly key = process.env.PIXAPI_KEY!,
    private readonly base = 'https://api.pixapi.ai',
  ) {}

  private async call<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      ...init,
      headers: { Authorization: `Bearer ${this.key}`, 'Content-Type': 'application/json', ...init.headers },
    });
    if (!res.ok) throw new Error(`${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  submitVideo(prompt: string, inputImage?: string): Promise<PixapiTask> {
    const body = { model: 'wan', prompt, duration: 5, ...(inputImage ? { input_image: inputImage } : {}) };
    return this.call<PixapiTask>('/v1/async/videos/generations', { method: 'POST', body: JSON.stringify(body) });
  }

  async waitForVideo(id: string): Promise<string> {
    for (;;) {
      const task = await this.call<PixapiTask>(`/v1/tasks/${id}`);
      if (task.status === 'completed') return task.result!.data[0].url;
      if (task.status === 'failed') throw new Error(`task ${id} failed`);
      await new Promise((r) => setTimeout(r, 3000));
    }
  }
}
