package pixapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
)

type submission struct {
	TaskID string `json:"task_id"`
	Status string `json:"status"`
}

func SubmitImage(prompt string) (string, error) {
	raw, _ := json.Marshal(map[string]string{"model": "nano-banana-pro", "prompt": prompt})
	req, _ := http.NewRequest("POST", "https://api.pixapi.ai/v1/async/images/generations", bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var s submission
	err = json.NewDecoder(resp.Body).Decode(&s)
	return s.TaskID, err
}
