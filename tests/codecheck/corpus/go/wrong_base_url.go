package main

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
)

const baseURL = "https://pixapi.ai/api"

func main() {
	body := []byte(`{"model":"nano-banana","prompt":"A row of colorful beach huts"}`)
	req, _ := http.NewRequest("POST", baseURL+"/v1/images/generations", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Status)
}
