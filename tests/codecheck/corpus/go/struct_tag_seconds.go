package pixapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
)

type VideoJob struct {
	Model      string `json:"model"`
	Prompt     string `json:"prompt"`
	InputImage string `json:"input_image,omitempty"`
	Seconds    int    `json:"seconds"`
}

func Submit(job VideoJob) (*http.Response, error) {
	raw, _ := json.Marshal(job)
	req, err := http.NewRequest("POST", "https://api.pixapi.ai/v1/async/videos/generations", bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}
