package pixapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
)

type Client struct {
	http    *http.Client
	baseURL string
	key     string
}

func New() *Client {
	return &Client{http: &http.Client{}, baseURL: "https://api.pixapi.ai", key: os.Getenv("PIXAPI_KEY")}
}

func (c *Client) newRequest(method, path string, body any) (*http.Request, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(method, c.baseURL+path, bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Content-Type", "application/json")
	return req, nil
}

func (c *Client) SubmitImage(prompt string) (string, error) {
	req, err := c.newRequest(http.MethodPost, "/v1/async/images/generations",
		map[string]any{"model": "nano-banana-2", "prompt": prompt, "size": "1024x1536"})
	if err != nil {
		return "", err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var sub struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	err = json.NewDecoder(resp.Body).Decode(&sub)
	return sub.ID, err
}
