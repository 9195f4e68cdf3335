package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
)

const model = "nano-banana"

func post(path string, payload map[string]any) (*http.Response, error) {
	raw, _ := json.Marshal(payload)
	req, err := http.NewRequest("POST", "https://api.pixapi.ai"+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}

func main() {
	_, _ = post("/v1/images/generations", map[string]any{"model": model, "prompt": "A desert fox"})
	_, _ = post("/v1/async/videos/generations", map[string]any{
		"model":  model,
		"prompt": "The fox looks up at the moon",
		"duration": 6,
	})
}
