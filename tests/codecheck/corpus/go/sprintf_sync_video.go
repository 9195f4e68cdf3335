package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
)

const base = "https://api.pixapi.ai"

func main() {
	url := fmt.Sprintf("%s/v1/%s/generations", base, "videos")
	body := []byte(`{"model":"veo","prompt":"A lighthouse beam sweeping through fog","duration":8}`)
	req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Status)
}
