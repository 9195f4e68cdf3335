package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
)

func main() {
	payload := []byte(`{"model": "gpt-image-1.5", "prompt": "A pixel-art treasure chest", "response_format": "b64_json"}`)
	req, _ := http.NewRequest("POST", "https://api.pixapi.ai/v1/images/generations", bytes.NewBuffer(payload))
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data []struct {
			B64JSON string `json:"b64_json"`
		} `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	img, _ := base64.StdEncoding.DecodeString(out.Data[0].B64JSON)
	_ = os.WriteFile("chest.png", img, 0o644)
}
