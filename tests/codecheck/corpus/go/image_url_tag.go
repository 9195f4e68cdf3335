package pixapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
)

type I2V struct {
	Model    string `json:"model"`
	Prompt   string `json:"prompt"`
	ImageURL string `json:"image_url"`
	Duration int    `json:"duration"`
}

func Animate(imageURL string) (*http.Response, error) {
	raw, _ := json.Marshal(I2V{Model: "veo", Prompt: "Gentle camera drift", ImageURL: imageURL, Duration: 8})
	req, _ := http.NewRequest("POST", "https://api.pixapi.ai/v1/async/videos/generations", bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	return http.DefaultClient.Do(req)
}
