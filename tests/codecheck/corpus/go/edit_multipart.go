package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
)

func main() {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("model", "gpt-image-2")
	_ = w.WriteField("prompt", "Replace the sky with a starry night")
	f, err := os.Open("city.png")
	if err != nil {
		panic(err)
	}
	part, _ := w.CreateFormFile("image", "city.png")
	_, _ = io.Copy(part, f)
	f.Close()
	w.Close()

	req, _ := http.NewRequest("POST", "https://api.pixapi.ai/v1/images/edits", &buf)
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", w.FormDataContentType())
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
