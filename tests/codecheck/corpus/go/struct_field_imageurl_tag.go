package pixapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
)

// VideoRequest is the body of POST /v1/async/videos/generations.
type VideoRequest struct {
	Model    string `json:"model"`
	Prompt   string `json:"prompt"`
	ImageURL string `json:"input_image,omitempty"`
	Duration int    `json:"duration,omitempty"`
}

func SubmitVideo(r VideoRequest) (*http.Response, error) {
	raw, err := json.Marshal(r)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest("POST", "https://api.pixapi.ai/v1/async/videos/generations", bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}
