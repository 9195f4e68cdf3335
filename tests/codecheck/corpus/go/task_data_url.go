package pixapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"time"
)

type Task struct {
	Status string `json:"status"`
	Data   []struct {
		URL string `json:"url"`
	} `json:"data"`
}

func WaitVideo(id string) (string, error) {
	for {
		req, _ := http.NewRequest("GET", "https://api.pixapi.ai/v1/tasks/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		var t Task
		_ = json.NewDecoder(resp.Body).Decode(&t)
		resp.Body.Close()
		switch t.Status {
		case "completed":
			return t.Data[0].URL, nil
		case "failed":
			return "", errors.New("failed")
		}
		time.Sleep(4 * time.Second)
	}
}
