package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
)

func main() {
	key := os.Getenv("PIXAPI_KEY")
	body := bytes.NewBufferString(`{"model":"gpt-image-2","prompt":"A neon koi fish"}`)
	req, _ := http.NewRequest("POST", "https://api.pixapi.ai/v1/images/generations", body)
	req.Header.Set("Authorization", "Bearer"+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Status)
}
