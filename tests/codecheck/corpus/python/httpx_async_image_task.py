import os
import time

import httpx


class Pixapi:
    def __init__(self, key: str | None = None) -> None:
        self._http = httpx.Client(
            base_url="https://api.pixapi.ai",
            headers={"Authorization": f"Bearer {key or os.environ['PIXAPI_KEY']}"},
            timeout=httpx.Timeout(30.0),
        )

    def submit(self, prompt: str, model: str = "gemini-3-pro-image-preview") -> str:
        r = self._http.post("/v1/async/images/generations", json={"model": model, "prompt": prompt, "n": 2})
        r.raise_for_status()
        return r.json()["id"]

    def result(self, task_id: str, every: float = 2.0) -> list[str]:
        while True:
            task = self._http.get(f"/v1/tasks/{task_id}").raise_for_status().json()
            status = task["status"]
            if status == "completed":
                return [item["url"] for item in task["result"]["data"]]
            if status == "failed":
                raise RuntimeError(f"task {task_id} failed")
            time.sleep(every)


client = Pixapi()
print(client.result(client.submit("Four seasons of the same oak tree, one panel each")))
