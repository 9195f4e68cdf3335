package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

const api = "https://api.pixapi.ai"

func pollTask(id string) (string, error) {
	for {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/v1/tasks/%s", api, id), nil)
		req.Header.Set("Authorization", fmt.Sprintf("Bearer %s", os.Getenv("PIXAPI_KEY")))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		var t struct {
			Status string `json:"status"`
			Result *struct {
				Data []struct{ URL string `json:"url"` } `json:"data"`
			} `json:"result"`
		}
		err = json.NewDecoder(resp.Body).Decode(&t)
		resp.Body.Close()
		if err != nil {
			return "", err
		}
		if t.Status == "completed" {
			return t.Result.Data[0].URL, nil
		}
		if t.Status == "failed" {
			return "", fmt.Errorf("task %s failed", id)
		}
		time.Sleep(3 * time.Second)
	}
}

func main() {
	url, err := pollTask(os.Args[1])
	if err != nil {
		panic(err)
	}
	fmt.Println(url)
}
