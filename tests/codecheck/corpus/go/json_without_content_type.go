package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
)

func main() {
	body, _ := json.Marshal(map[string]any{"model": "nano-banana", "prompt": "A cup of matcha on linen"})
	req, _ := http.NewRequest(http.MethodPost, "https://api.pixapi.ai/v1/images/generations", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data []struct{ URL string `json:"url"` } `json:"data"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	fmt.Println(out.Data[0].URL)
}
