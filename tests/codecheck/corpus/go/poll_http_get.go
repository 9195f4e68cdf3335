package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"time"
)

func main() {
	body := []byte(`{"model":"veo","prompt":"Bubbles rising in a fish tank","duration":5}`)
	req, _ := http.NewRequest("POST", "https://api.pixapi.ai/v1/async/videos/generations", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	var sub struct{ ID string `json:"id"` }
	_ = json.NewDecoder(resp.Body).Decode(&sub)
	resp.Body.Close()

	for {
		r, err := http.Get("https://api.pixapi.ai/v1/tasks/" + sub.ID)
		if err != nil {
			panic(err)
		}
		var t struct {
			Status string `json:"status"`
			Result struct {
				Data []struct{ URL string `json:"url"` } `json:"data"`
			} `json:"result"`
		}
		_ = json.NewDecoder(r.Body).Decode(&t)
		r.Body.Close()
		if t.Status == "completed" {
			fmt.Println(t.Result.Data[0].URL)
			return
		}
		if t.Status == "failed" {
			panic("failed")
		}
		time.Sleep(5 * time.Second)
	}
}
