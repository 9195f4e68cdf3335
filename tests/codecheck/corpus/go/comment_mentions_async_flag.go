package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
)

// submit queues a render. Earlier versions appended ?async=true to /v1/images/generations;
// Pixapi wants the dedicated /v1/async/images/generations endpoint instead.
func submit(prompt string) (string, error) {
	body := []byte(fmt.Sprintf(`{"model":"gemini-2.5-flash-image","prompt":%q}`, prompt))
	req, err := http.NewRequest("POST", "https://api.pixapi.ai/v1/async/images/generations", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("PIXAPI_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func main() {
	out, err := submit("A hand-drawn map of an island")
	if err != nil {
		panic(err)
	}
	fmt.Println(out)
}
