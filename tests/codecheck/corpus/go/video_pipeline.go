package pixapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"
)

const baseURL = "https://api.pixapi.ai"

type task struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Result struct {
		Data []struct {
			URL string `json:"url"`
		} `json:"data"`
	} `json:"result"`
}

func do(ctx context.Context, method, path string, body any, out any) error {
	var buf bytes.Buffer
	if body != nil {
		if err := json.NewEncoder(&buf).Encode(body); err != nil {
			return err
		}
	}
	req, err := http.NewRequestWithContext(ctx, method, baseURL+path, &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("pixapi: %s", resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// ImageToVideo animates imageURL with Veo and returns the video URL.
func ImageToVideo(ctx context.Context, imageURL, prompt string) (string, error) {
	var submitted task
	payload := map[string]any{"model": "veo", "prompt": prompt, "input_image": imageURL, "duration": 8}
	if err := do(ctx, http.MethodPost, "/v1/async/videos/generations", payload, &submitted); err != nil {
		return "", err
	}
	for {
		var t task
		if err := do(ctx, http.MethodGet, "/v1/tasks/"+submitted.ID, nil, &t); err != nil {
			return "", err
		}
		switch t.Status {
		case "completed":
			return t.Result.Data[0].URL, nil
		case "failed":
			return "", errors.New("pixapi: video task failed")
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(5 * time.Second):
		}
	}
}
