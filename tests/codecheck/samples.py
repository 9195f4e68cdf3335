"""Shared by the check_code tests: one correct program per language (``TEMPLATES``) and the
planted mistakes (``MUTATIONS``) that turn each into a wrong one, with helpers to check that a
planted mistake is found at its line. Each ``test_detect_<family>.py`` runs the rows whose rule
is detected in ``pixapi_mcp/codecheck/detect_<family>.py``."""

from __future__ import annotations

from typing import Any

import pytest

from pixapi_mcp import codecheck, contract
from pixapi_mcp.codecheck import Finding, check_code


def found(findings: list[Finding]) -> list[tuple[str, int]]:
    return [(f.rule_id, f.line) for f in findings]


def changed_line(template: str, old: str, new: str) -> int:
    """The 1-based line of the mutated sample where ``new`` first differs from ``old``."""
    start = template.count("\n", 0, template.index(old)) + 1
    old_lines, new_lines = old.splitlines(), new.splitlines()
    offset = next((i for i, line in enumerate(new_lines) if i >= len(old_lines) or line != old_lines[i]), 0)
    return start + offset


def line_of(code: str, needle: str) -> int:
    return next(n for n, line in enumerate(code.splitlines(), start=1) if needle in line)


# -- correct templates, one per language -------------------------------------------------------

PYTHON = """\
import os
import time

import httpx

API = "https://api.pixapi.ai"
headers = {"Authorization": f"Bearer {os.environ['PIXAPI_KEY']}"}

image = httpx.post(f"{API}/v1/images/generations", headers=headers, json={"model": "nano-banana", "prompt": "A cup"})
image_url = image.json()["data"][0]["url"]

submission = httpx.post(
    f"{API}/v1/async/videos/generations",
    headers=headers,
    json={"model": "veo", "prompt": "Steam rises", "input_image": image_url, "duration": 8},
)
task_id = submission.json()["id"]
for _ in range(100):
    time.sleep(5)
    task = httpx.get(f"{API}/v1/tasks/{task_id}", headers=headers).json()
    if task["status"] in ("completed", "failed"):
        break
print(task["result"]["data"][0]["url"])
"""

NODE = """\
const API = 'https://api.pixapi.ai';
const headers = {
  Authorization: `Bearer ${process.env.PIXAPI_KEY}`,
  'Content-Type': 'application/json',
};

const imageResponse = await fetch(`${API}/v1/images/generations`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ model: 'nano-banana', prompt: 'A cup', size: '1024x1024' }),
});
const image = await imageResponse.json();
const imageUrl = image.data[0].url;

const submitted = await fetch(`${API}/v1/async/videos/generations`, {
  method: 'POST',
  headers,
  body: JSON.stringify({ model: 'veo', prompt: 'Steam rises', input_image: imageUrl, duration: 8 }),
});
const { id } = await submitted.json();
let task;
for (let attempt = 0; attempt < 100; attempt++) {
  await new Promise((resolve) => setTimeout(resolve, 5000));
  task = await (await fetch(`${API}/v1/tasks/${id}`, { headers })).json();
  if (task.status === 'completed' || task.status === 'failed') break;
}
console.log(task.result.data[0].url);
"""

CURL = """\
#!/usr/bin/env bash
set -euo pipefail
API=https://api.pixapi.ai

image=$(curl -sS "$API/v1/images/generations" \\
  -H "Authorization: Bearer $PIXAPI_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "nano-banana", "prompt": "A cup"}')
image_url=$(echo "$image" | jq -r '.data[0].url')

submission=$(curl -sS "$API/v1/async/videos/generations" \\
  -H "Authorization: Bearer $PIXAPI_KEY" \\
  -H "Content-Type: application/json" \\
  -d "{\\"model\\": \\"veo\\", \\"prompt\\": \\"Steam rises\\", \\"input_image\\": \\"$image_url\\", \\"duration\\": 8}")
task_id=$(echo "$submission" | jq -r '.id')
for _ in $(seq 1 100); do
  sleep 5
  task=$(curl -sS "$API/v1/tasks/$task_id" -H "Authorization: Bearer $PIXAPI_KEY")
  status=$(echo "$task" | jq -r '.status')
  if [ "$status" = "completed" ] || [ "$status" = "failed" ]; then break; fi
done
echo "$task" | jq -r '.result.data[0].url'
"""

GO = """\
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

type Task struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Result struct {
		Data []struct {
			URL string `json:"url"`
		} `json:"data"`
	} `json:"result"`
}

func post(path string, payload map[string]any, out any) {
	body, _ := json.Marshal(payload)
	req, _ := http.NewRequest("POST", "https://api.pixapi.ai"+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	json.NewDecoder(resp.Body).Decode(out)
}

func main() {
	var image struct {
		Data []struct {
			URL string `json:"url"`
		} `json:"data"`
	}
	post("/v1/images/generations", map[string]any{"model": "nano-banana", "prompt": "A cup"}, &image)
	imageURL := image.Data[0].URL

	var task Task
	post("/v1/async/videos/generations", map[string]any{"model": "veo", "prompt": "Steam rises", "input_image": imageURL, "duration": 8}, &task)
	for i := 0; i < 100 && task.Status != "completed" && task.Status != "failed"; i++ {
		time.Sleep(5 * time.Second)
		req, _ := http.NewRequest("GET", "https://api.pixapi.ai/v1/tasks/"+task.ID, nil)
		req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		json.NewDecoder(resp.Body).Decode(&task)
		resp.Body.Close()
	}
	fmt.Println(task.Result.Data[0].URL)
}
"""

JAVA = """\
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

public class Example {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String KEY = System.getenv("PIXAPI_KEY");

    static JsonNode send(HttpRequest.Builder builder) throws Exception {
        HttpRequest request = builder.header("Authorization", "Bearer " + KEY).build();
        return MAPPER.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    public static void main(String[] args) throws Exception {
        String imageBody = "{\\"model\\": \\"nano-banana\\", \\"prompt\\": \\"A cup\\"}";
        JsonNode image = send(HttpRequest.newBuilder(URI.create("https://api.pixapi.ai/v1/images/generations"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(imageBody)));
        String imageUrl = image.get("data").get(0).get("url").asText();

        String videoBody = MAPPER.writeValueAsString(java.util.Map.of("model", "veo", "prompt", "Steam rises", "input_image", imageUrl, "duration", 8));
        JsonNode submission = send(HttpRequest.newBuilder(URI.create("https://api.pixapi.ai/v1/async/videos/generations"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(videoBody)));
        String taskId = submission.get("id").asText();
        JsonNode task = submission;
        for (int i = 0; i < 100; i++) {
            Thread.sleep(5000);
            task = send(HttpRequest.newBuilder(URI.create("https://api.pixapi.ai/v1/tasks/" + taskId)).GET());
            String status = task.get("status").asText();
            if (status.equals("completed") || status.equals("failed")) break;
        }
        System.out.println(task.get("result").get("data").get(0).get("url").asText());
    }
}
"""

PHP = """\
<?php
$key = getenv('PIXAPI_KEY');
$headers = ['Authorization: Bearer ' . $key, 'Content-Type: application/json'];

function call(string $url, array $headers, ?array $body = null): array {
    $ch = curl_init($url);
    curl_setopt($ch, CURLOPT_RETURNTRANSFER, true);
    curl_setopt($ch, CURLOPT_HTTPHEADER, $headers);
    if ($body !== null) {
        curl_setopt($ch, CURLOPT_POSTFIELDS, json_encode($body));
    }
    return json_decode(curl_exec($ch), true);
}

$image = call('https://api.pixapi.ai/v1/images/generations', $headers, ['model' => 'nano-banana', 'prompt' => 'A cup']);
$imageUrl = $image['data'][0]['url'];

$submission = call('https://api.pixapi.ai/v1/async/videos/generations', $headers, [
    'model' => 'veo',
    'prompt' => 'Steam rises',
    'input_image' => $imageUrl,
    'duration' => 8,
]);
for ($i = 0; $i < 100; $i++) {
    sleep(5);
    $task = call('https://api.pixapi.ai/v1/tasks/' . $submission['id'], $headers);
    if (in_array($task['status'], ['completed', 'failed'], true)) {
        break;
    }
}
echo $task['result']['data'][0]['url'];
"""

TEMPLATES = {"python": PYTHON, "node": NODE, "curl": CURL, "go": GO, "java": JAVA, "php": PHP}
KEY = "sk-live-7c1e9a2b4d6f8035"

# (language, mistake, old text, new text, rule id). The finding is expected on the first line where
# the new text differs from the old one, and nowhere else.
MUTATIONS: list[tuple[str, str, str, str, str]] = [
    # python
    (
        "python",
        "async query",
        '/v1/images/generations"',
        '/v1/images/generations?async=true"',
        "async-endpoint",
    ),
    ("python", "async body", '"duration": 8}', '"duration": 8, "async": True}', "async-endpoint"),
    ("python", "sync video", "/v1/async/videos/generations", "/v1/videos/generations", "video-async-only"),
    ("python", "image_url", '"input_image": image_url', '"image_url": image_url', "input-image-field"),
    ("python", "seconds", '"duration": 8', '"seconds": 8', "duration-field"),
    (
        "python",
        "nano-banana video",
        '"model": "veo"',
        '"model": "nano-banana"',
        "image-model-on-video-endpoint",
    ),
    ("python", "veo image", '"model": "nano-banana"', '"model": "veo"', "video-model-on-image-endpoint"),
    (
        "python",
        "task data url",
        'task["result"]["data"][0]["url"]',
        'task["data"][0]["url"]',
        "task-result-field",
    ),
    (
        "python",
        "image result url",
        'image.json()["data"]',
        'image.json()["result"]["data"]',
        "image-url-field",
    ),
    ("python", "hard-coded key", "os.environ['PIXAPI_KEY']", f"'{KEY}'", "key-server-side"),
    (
        "python",
        "no bearer",
        "f\"Bearer {os.environ['PIXAPI_KEY']}\"",
        "os.environ['PIXAPI_KEY']",
        "bearer-auth",
    ),
    (
        "python",
        "edit as json",
        '/v1/images/generations", headers=headers, json=',
        '/v1/images/edits", headers=headers, json=',
        "edit-multipart",
    ),
    ("python", "succeeded", '("completed", "failed")', '("succeeded", "failed")', "task-polling"),
    ("python", "quality hd", '"prompt": "A cup"}', '"prompt": "A cup", "quality": "hd"}', "quality-value"),
    (
        "python",
        "response_format png",
        '"prompt": "A cup"}',
        '"prompt": "A cup", "response_format": "png"}',
        "response-format-value",
    ),
    ("python", "size star", '"prompt": "A cup"}', '"prompt": "A cup", "size": "1024*1024"}', "size-value"),
    ("python", "unknown model", '"model": "nano-banana"', '"model": "dall-e-3"', "unknown-model"),
    # node
    (
        "node",
        "async query",
        "/v1/images/generations`",
        "/v1/images/generations?async=true`",
        "async-endpoint",
    ),
    ("node", "async body", "duration: 8 }", "duration: 8, async: true }", "async-endpoint"),
    ("node", "sync video", "/v1/async/videos/generations", "/v1/videos/generations", "video-async-only"),
    ("node", "image_url", "input_image: imageUrl", "image_url: imageUrl", "input-image-field"),
    ("node", "seconds", "duration: 8", "seconds: 8", "duration-field"),
    ("node", "nano-banana video", "model: 'veo'", "model: 'nano-banana'", "image-model-on-video-endpoint"),
    ("node", "task data url", "task.result.data[0].url", "task.data[0].url", "task-result-field"),
    ("node", "hard-coded key", "${process.env.PIXAPI_KEY}", KEY, "key-server-side"),
    (
        "node",
        "NEXT_PUBLIC key",
        "process.env.PIXAPI_KEY",
        "process.env.NEXT_PUBLIC_PIXAPI_KEY",
        "key-server-side",
    ),
    ("node", "no bearer", "`Bearer ${process.env.PIXAPI_KEY}`", "process.env.PIXAPI_KEY", "bearer-auth"),
    ("node", "edit as json", "/v1/images/generations`, {", "/v1/images/edits`, {", "edit-multipart"),
    ("node", "succeeded", "task.status === 'completed'", "task.status === 'succeeded'", "task-polling"),
    # curl
    (
        "curl",
        "async query",
        '/v1/images/generations"',
        '/v1/images/generations?async=true"',
        "async-endpoint",
    ),
    ("curl", "async body", '"prompt": "A cup"}', '"prompt": "A cup", "async": true}', "async-endpoint"),
    ("curl", "sync video", "/v1/async/videos/generations", "/v1/videos/generations", "video-async-only"),
    ("curl", "image_url", '\\"input_image\\"', '\\"image_url\\"', "input-image-field"),
    ("curl", "seconds", '\\"duration\\": 8', '\\"seconds\\": 8', "duration-field"),
    (
        "curl",
        "nano-banana video",
        '\\"model\\": \\"veo\\"',
        '\\"model\\": \\"nano-banana\\"',
        "image-model-on-video-endpoint",
    ),
    ("curl", "task data url", "jq -r '.result.data[0].url'", "jq -r '.data[0].url'", "task-result-field"),
    (
        "curl",
        "hard-coded key",
        "API=https://api.pixapi.ai",
        f"API=https://api.pixapi.ai\nPIXAPI_KEY={KEY}",
        "key-server-side",
    ),
    (
        "curl",
        "no bearer",
        '-H "Authorization: Bearer $PIXAPI_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d \'{"model"',
        '-H "Authorization: $PIXAPI_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d \'{"model"',
        "bearer-auth",
    ),
    ("curl", "edit as json", '/v1/images/generations" \\', '/v1/images/edits" \\', "edit-multipart"),
    ("curl", "succeeded", '[ "$status" = "completed" ]', '[ "$status" = "succeeded" ]', "task-polling"),
    # go
    (
        "go",
        "async query",
        '"/v1/images/generations"',
        '"/v1/images/generations?async=true"',
        "async-endpoint",
    ),
    ("go", "async body", '"duration": 8}', '"duration": 8, "async": true}', "async-endpoint"),
    ("go", "sync video", "/v1/async/videos/generations", "/v1/videos/generations", "video-async-only"),
    ("go", "image_url", '"input_image": imageURL', '"image_url": imageURL', "input-image-field"),
    ("go", "seconds", '"duration": 8', '"seconds": 8', "duration-field"),
    ("go", "nano-banana video", '"model": "veo"', '"model": "nano-banana"', "image-model-on-video-endpoint"),
    ("go", "task data url", "task.Result.Data[0].URL", "task.Data[0].URL", "task-result-field"),
    (
        "go",
        "hard-coded key",
        '"Bearer "+os.Getenv("PIXAPI_KEY"))\n\treq.Header.Set("Content-Type"',
        f'"Bearer {KEY}")\n\treq.Header.Set("Content-Type"',
        "key-server-side",
    ),
    (
        "go",
        "no bearer",
        '"Bearer "+os.Getenv("PIXAPI_KEY"))\n\treq.Header.Set("Content-Type"',
        'os.Getenv("PIXAPI_KEY"))\n\treq.Header.Set("Content-Type"',
        "bearer-auth",
    ),
    ("go", "edit as json", 'post("/v1/images/generations"', 'post("/v1/images/edits"', "edit-multipart"),
    ("go", "succeeded", 'task.Status != "completed"', 'task.Status != "succeeded"', "task-polling"),
    # java
    (
        "java",
        "async query",
        '/v1/images/generations"',
        '/v1/images/generations?async=true"',
        "async-endpoint",
    ),
    ("java", "async body", '"duration", 8)', '"duration", 8, "async", true)', "async-endpoint"),
    ("java", "sync video", "/v1/async/videos/generations", "/v1/videos/generations", "video-async-only"),
    ("java", "image_url", '"input_image", imageUrl', '"image_url", imageUrl', "input-image-field"),
    ("java", "seconds", '"duration", 8', '"seconds", 8', "duration-field"),
    (
        "java",
        "nano-banana video",
        'Map.of("model", "veo"',
        'Map.of("model", "nano-banana"',
        "image-model-on-video-endpoint",
    ),
    ("java", "task data url", 'task.get("result").get("data")', 'task.get("data")', "task-result-field"),
    ("java", "hard-coded key", 'System.getenv("PIXAPI_KEY")', f'"{KEY}"', "key-server-side"),
    ("java", "no bearer", '"Bearer " + KEY', "KEY", "bearer-auth"),
    (
        "java",
        "edit as json",
        '"https://api.pixapi.ai/v1/images/generations"',
        '"https://api.pixapi.ai/v1/images/edits"',
        "edit-multipart",
    ),
    ("java", "succeeded", 'status.equals("completed")', 'status.equals("succeeded")', "task-polling"),
    # php
    ("php", "async query", "/v1/images/generations'", "/v1/images/generations?async=true'", "async-endpoint"),
    ("php", "async body", "'duration' => 8,", "'duration' => 8,\n    'async' => true,", "async-endpoint"),
    ("php", "sync video", "/v1/async/videos/generations", "/v1/videos/generations", "video-async-only"),
    ("php", "image_url", "'input_image' => $imageUrl", "'image_url' => $imageUrl", "input-image-field"),
    ("php", "seconds", "'duration' => 8", "'seconds' => 8", "duration-field"),
    (
        "php",
        "nano-banana video",
        "'model' => 'veo'",
        "'model' => 'nano-banana'",
        "image-model-on-video-endpoint",
    ),
    (
        "php",
        "task data url",
        "$task['result']['data'][0]['url']",
        "$task['data'][0]['url']",
        "task-result-field",
    ),
    ("php", "hard-coded key", "getenv('PIXAPI_KEY')", f"'{KEY}'", "key-server-side"),
    ("php", "no bearer", "'Authorization: Bearer ' . $key", "'Authorization: ' . $key", "bearer-auth"),
    ("php", "edit as json", "/v1/images/generations'", "/v1/images/edits'", "edit-multipart"),
    ("php", "succeeded", "['completed', 'failed']", "['succeeded', 'failed']", "task-polling"),
]


def planted(module: str) -> list[Any]:
    """The ``MUTATIONS`` rows whose rule is detected in ``pixapi_mcp.codecheck.<module>``, as
    parameters ``(language, old, new, rule_id)``."""
    return [
        pytest.param(lang, old, new, rule, id=f"{lang}-{name}")
        for lang, name, old, new, rule in MUTATIONS
        if codecheck.DETECTORS[rule].__module__ == f"pixapi_mcp.codecheck.{module}"
    ]


def assert_planted_mistake_found(language: str, old: str, new: str, rule_id: str) -> None:
    template = TEMPLATES[language]
    assert old in template, "the mutation no longer applies to the template"
    code = template.replace(old, new, 1)
    expected_line = changed_line(template, old, new)
    findings = check_code(code, language)
    assert found(findings) == [(rule_id, expected_line)], findings
    finding = findings[0]
    rule = contract.RULES_BY_ID[rule_id]
    assert finding.docs_url == rule.docs_url
    assert finding.docs_uri.startswith("pixapi://docs/")
    assert finding.fix and finding.message
    assert KEY not in finding.snippet and KEY not in finding.message
