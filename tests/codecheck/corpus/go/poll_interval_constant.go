package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

const (
	pollSeconds    = 4
	timeoutSeconds = 600
	videoSeconds   = 6
)

func call(method, url string, body any, out any) error {
	var buf bytes.Buffer
	if body != nil {
		_ = json.NewEncoder(&buf).Encode(body)
	}
	req, _ := http.NewRequest(method, url, &buf)
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(out)
}

func main() {
	var sub struct{ ID string `json:"id"` }
	body := map[string]any{"model": "wan", "prompt": "Ink drops blooming in water", "duration": videoSeconds}
	if err := call("POST", "https://api.pixapi.ai/v1/async/videos/generations", body, &sub); err != nil {
		panic(err)
	}
	deadline := time.Now().Add(timeoutSeconds * time.Second)
	for time.Now().Before(deadline) {
		var t struct {
			Status string `json:"status"`
			Result struct {
				Data []struct{ URL string `json:"url"` } `json:"data"`
			} `json:"result"`
		}
		if err := call("GET", "https://api.pixapi.ai/v1/tasks/"+sub.ID, nil, &t); err != nil {
			panic(err)
		}
		if t.Status == "completed" {
			fmt.Println(t.Result.Data[0].URL)
			return
		}
		if t.Status == "failed" {
			panic("video failed")
		}
		time.Sleep(pollSeconds * time.Second)
	}
}
